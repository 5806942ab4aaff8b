% normrnd, shadowed by cnn-dual's checker: the starting weights it hands out for each size,
% mu + sigma times the table's standard normal draws, so that the checker knows them.
function r = normrnd(mu, sigma, varargin)
    global CNN_DUAL_NORMRND
    if numel(varargin) == 1
        sz = varargin{1};
    else
        sz = cell2mat(varargin);
    end
    key = ['s' strjoin(arrayfun(@num2str, sz, 'UniformOutput', false), 'x')];
    if ~isstruct(CNN_DUAL_NORMRND) || ~isfield(CNN_DUAL_NORMRND, key)
        error('cnn_dual:normrnd', ...
              'normrnd(%g, %g, [%s]): the checker hands out starting weights of the assignment''s sizes only', ...
              mu, sigma, num2str(sz));
    end
    r = mu + sigma .* CNN_DUAL_NORMRND.(key);
end
