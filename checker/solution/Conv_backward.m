% The checker's own Conv_backward (cnn-dual). dLdy h x w x c2, x h x w x 1 ->
% dLdw 1 x (c2*f*f): the c2 x (f*f) matrix G(k, i + f*(j-1)) = dL/dw_conv(i,j,1,k) read
% column-major, so the channel index runs fastest (the assignment's layout); dLdb 1 x c2.
function [dLdw, dLdb] = Conv_backward(dLdy, x, w_conv, b_conv, y)
    [h, w] = size(x(:, :, 1));
    [f, ~, ~, c2] = size(w_conv);
    dLdy_columns = reshape(dLdy, h * w, c2);
    dLdw = reshape(transpose(dLdy_columns) * transpose(conv_patches(x, f)), 1, []);
    dLdb = sum(dLdy_columns, 1);
end
