% sum (cnn-dual's checker): MATLAB's sum accepts 'all' (over every element); this Octave's
% does not. With 'all', the sum of x(:); otherwise Octave's own.
function y = sum(x, varargin)
    all_at = strcmp(varargin, 'all');
    if any_of(all_at)
        x = x(:);
        varargin(all_at) = [];
    end
    y = builtin('sum', x, varargin{:});
end

function yes = any_of(flags)
    yes = ~isempty(flags) && builtin('any', flags);
end
