% The checker's own FC (cnn-dual): x m x 1, w n x m, b n x 1 -> y n x 1.
function y = FC(x, w, b)
    y = w * x + b;
end
