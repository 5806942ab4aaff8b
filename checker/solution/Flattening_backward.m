% The checker's own Flattening_backward (cnn-dual): the 1 x (h*w*c) row back to x's shape.
function dLdx = Flattening_backward(dLdy, x, y)
    dLdx = reshape(dLdy, size(x));
end
