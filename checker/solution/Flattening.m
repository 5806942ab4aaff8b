% The checker's own Flattening (cnn-dual): h x w x c -> (h*w*c) x 1, column-major.
function y = Flattening(x)
    y = x(:);
end
