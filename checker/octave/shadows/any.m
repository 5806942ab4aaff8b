% any (cnn-dual's checker): MATLAB's any accepts 'all' (over every element); this Octave's
% does not. With 'all', the any of x(:); otherwise Octave's own.
function y = any(x, varargin)
    all_at = strcmp(varargin, 'all');
    if any_of(all_at)
        x = x(:);
        varargin(all_at) = [];
    end
    y = builtin('any', x, varargin{:});
end

function yes = any_of(flags)
    yes = ~isempty(flags) && builtin('any', flags);
end
