% min (cnn-dual's checker): MATLAB's min accepts min(x, [], 'all'); this Octave's does not.
% With 'all', the min of x(:) (and its linear index); otherwise Octave's own.
function varargout = min(x, varargin)
    varargout = cell(1, builtin('max', nargout, 1));
    if numel(varargin) == 2 && ischar(varargin{2}) && strcmp(varargin{2}, 'all')
        [varargout{:}] = builtin('min', x(:), [], 1);
    else
        [varargout{:}] = builtin('min', x, varargin{:});
    end
end
