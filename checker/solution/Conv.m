% The checker's own Conv (cnn-dual): y(r,c,k) = b_conv(k) + the f x f patch of the zero-padded
% image centred on (r,c) weighted by w_conv(:,:,1,k), a correlation.
% x h x w x 1, w_conv f x f x 1 x c2, b_conv c2 x 1 -> y h x w x c2.
function y = Conv(x, w_conv, b_conv)
    [h, w] = size(x(:, :, 1));
    [f, ~, ~, c2] = size(w_conv);
    y = transpose(conv_patches(x, f)) * reshape(w_conv, f * f, c2) + transpose(b_conv(:));
    y = reshape(y, h, w, c2);
end
