% The checker's own FC_backward (cnn-dual). dLdy 1 x n -> dLdx 1 x m; dLdw 1 x (n*m), the
% gradient dL/dw(i,j) = dLdy(i) x(j) listed row after row (the assignment's layout); dLdb 1 x n.
function [dLdx, dLdw, dLdb] = FC_backward(dLdy, x, w, b, y)
    dLdx = dLdy * w;
    dLdw = reshape(x * dLdy, 1, []);
    dLdb = dLdy;
end
