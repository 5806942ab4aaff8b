% The checker's own ReLu (cnn-dual): the elementwise max(x, 0).
function y = ReLu(x)
    y = x;
    y(x < 0) = 0;
end
