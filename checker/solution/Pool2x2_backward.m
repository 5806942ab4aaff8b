% The checker's own Pool2x2_backward (cnn-dual): each block's dL/dy goes to the block's first
% maximum in column-major order (the assignment's convention at ties), zero elsewhere.
% dLdy h/2 x w/2 x c, x h x w x c -> dLdx h x w x c.
function dLdx = Pool2x2_backward(dLdy, x, y)
    [h, w, c] = size(x);
    blocks = reshape(permute(reshape(x, 2, h / 2, 2, w / 2, c), [1 3 2 4 5]), 4, []);
    [~, first] = max(blocks, [], 1);
    g = zeros(size(blocks));
    g(sub2ind(size(g), first, 1:size(g, 2))) = dLdy(:);
    dLdx = reshape(permute(reshape(g, 2, 2, h / 2, w / 2, c), [1 3 2 4 5]), h, w, c);
end
