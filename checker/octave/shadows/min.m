% min, shadowed by cnn-dual's checker: MATLAB's, which accepts 'all' (cnn_dual_all).
function varargout = min(varargin)
    [varargout{1:builtin('max', nargout, 1)}] = cnn_dual_all('min', varargin{:});
end
