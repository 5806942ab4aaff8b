% max (cnn-dual's checker): MATLAB's max accepts max(x, [], 'all'); this Octave's does not.
% With 'all', the max of x(:) (and its linear index); otherwise Octave's own.
function varargout = max(x, varargin)
    varargout = cell(1, builtin('max', nargout, 1));
    if numel(varargin) == 2 && ischar(varargin{2}) && strcmp(varargin{2}, 'all')
        [varargout{:}] = builtin('max', x(:), [], 1);
    else
        [varargout{:}] = builtin('max', x, varargin{:});
    end
end
