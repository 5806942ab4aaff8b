% normrnd (cnn-dual's checker): the Statistics Toolbox's, where Octave has no statistics
% package: mu + sigma .* randn(size).
function r = normrnd(mu, sigma, varargin)
    if isempty(varargin)
        sz = size(mu + sigma);
    elseif numel(varargin) == 1
        sz = varargin{1};
    else
        sz = [varargin{:}];
    end
    r = mu + sigma .* randn(sz);
end
