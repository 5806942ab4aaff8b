% The checker's own Pool2x2 (cnn-dual): the maximum of each distinct 2x2 block.
% x h x w x c -> y h/2 x w/2 x c.
function y = Pool2x2(x)
    [h, w, c] = size(x);
    y = reshape(max(pool_blocks(x), [], 1), h / 2, w / 2, c);
end

% blocks(i + 2*(j-1), r + h/2*(s-1) + h/2*w/2*(k-1)) = x(2*r-2+i, 2*s-2+j, k): each block's four
% values in column-major order, the blocks listed column-major, channel after channel.
function blocks = pool_blocks(x)
    [h, w, c] = size(x);
    blocks = reshape(permute(reshape(x, 2, h / 2, 2, w / 2, c), [1 3 2 4 5]), 4, []);
end
