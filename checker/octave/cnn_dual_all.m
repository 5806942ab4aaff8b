% cnn_dual_all (cnn-dual's checker): Octave's builtin `name` (sum, prod, any, all, max, min)
% as MATLAB's, which accepts 'all': over every element of x, as x(:) (for max and min,
% max(x, [], 'all'), with the linear index). The shadows/ call it; otherwise Octave's own.
function varargout = cnn_dual_all(name, x, varargin)
    varargout = cell(1, builtin('max', nargout, 1));
    over_all = cellfun(@(a) ischar(a) && strcmp(a, 'all'), varargin);
    if builtin('any', over_all)
        varargin(over_all) = [];
        x = x(:);
        if strcmp(name, 'max') || strcmp(name, 'min')
            varargin = {[], 1};
        end
    end
    [varargout{:}] = builtin(name, x, varargin{:});
end
