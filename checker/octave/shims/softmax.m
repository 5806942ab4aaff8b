% softmax (cnn-dual's checker): the Deep Learning Toolbox's, which GNU Octave lacks: the
% softmax of each column of x.
function y = softmax(x, varargin)
    e = exp(x - max(x, [], 1));
    y = e ./ sum(e, 1);
end
