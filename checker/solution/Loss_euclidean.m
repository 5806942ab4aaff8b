% The checker's own Loss_euclidean (cnn-dual): L = sum((y_tilde - y).^2), dLdy 1 x m.
function [L, dLdy] = Loss_euclidean(y_tilde, y)
    d = y_tilde - y;
    L = sum(d .^ 2);
    dLdy = transpose(2 * d);
end
