% any, shadowed by cnn-dual's checker: MATLAB's, which accepts 'all' (cnn_dual_all).
function varargout = any(varargin)
    [varargout{1:builtin('max', nargout, 1)}] = cnn_dual_all('any', varargin{:});
end
