% cnn_dual_like (cnn-dual's checker): the checker's results `out` (the assignment's layout)
% in the layout of the student's results `theirs` (a wrong function's, run for its shapes),
% where they differ: a weight gradient as the weight's matrix, its transpose or a 1 x n x m
% array, Conv_backward's dLdw as w_conv's array; any other result reshaped in column-major
% order (a column for a row). Without the student's results: the assignment's layout.
function out = cnn_dual_like(name, out, theirs, args)
    for k = 1:min(numel(out), numel(theirs))
        have = out{k};
        want = size(theirs{k});
        if isequal(size(have), want) || numel(have) ~= prod(want)
            continue;
        end
        if strcmp(name, 'FC_backward') && k == 2
            [n, m] = size(args{3});
            matrix = transpose(reshape(have, m, n));  % dL/dw, n x m
            if isequal(want, [m n])
                have = transpose(matrix);
            else
                have = reshape(matrix, want);
            end
        elseif strcmp(name, 'Conv_backward') && k == 1
            w = args{3};
            c2 = size(w, 4);
            have = reshape(transpose(reshape(have, c2, [])), want);  % w_conv's order
        else
            have = reshape(have, want);
        end
        out{k} = have;
    end
end
