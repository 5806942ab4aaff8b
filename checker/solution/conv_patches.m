% conv_patches (cnn-dual's checker, not an assignment function): the f x f patches of the
% zero-padded image, what im2col(x_padded, [f f]) gives. x h x w x 1 -> P (f*f) x (h*w):
% P(i + f*(j-1), r + h*(c-1)) = x_padded(r+i-1, c+j-1), the patch centred on (r, c).
function P = conv_patches(x, f)
    [h, w] = size(x(:, :, 1));
    p = (f - 1) / 2;
    padded = zeros(h + 2 * p, w + 2 * p);
    padded(p + 1:p + h, p + 1:p + w) = x(:, :, 1);
    P = zeros(f * f, h * w);
    for j = 1:f
        for i = 1:f
            P(i + f * (j - 1), :) = reshape(padded(i:i + h - 1, j:j + w - 1), 1, []);
        end
    end
end
