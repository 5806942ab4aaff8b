% The checker's own Loss_cross_entropy_softmax (cnn-dual): x m x 1 scores, y m x 1 one-hot ->
% L = -sum(y .* log(softmax(x))), dLdy 1 x m = (softmax(x) - y)'. Shifted by max(x), which
% changes nothing but the rounding.
function [L, dLdy] = Loss_cross_entropy_softmax(x, y)
    z = x - max(x);
    log_p = z - log(sum(exp(z)));
    L = -sum(y .* log_p);
    dLdy = transpose(exp(log_p) - y);
end
