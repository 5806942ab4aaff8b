% golden_perceptron_case (cnn-dual's make_golden.py): one image through the three
% perceptrons' loop bodies (TrainSLP_linear, TrainSLP, TrainMLP), every intermediate in a
% struct, named as make_golden.py writes them; each *_step as Train*.m adds it (erratum E3)
% and *_step_fixed with E3 corrected.
function g = golden_perceptron_case(x, y, w, b, w1, b1, w2, b2)
    g = struct();
    g.lin_y_tilde = FC(x, w, b);
    [g.lin_L, g.lin_dldy] = Loss_euclidean(g.lin_y_tilde, y);
    [g.lin_dldx, g.lin_dldw, g.lin_dldb] = FC_backward(g.lin_dldy, x, w, b, g.lin_y_tilde);
    [g.lin_dLdw_step, g.lin_dLdw_step_fixed] = steps(g.lin_dldw, size(w));
    g.slp_y_tilde = FC(x, w, b);
    [g.slp_L, g.slp_dldy] = Loss_cross_entropy_softmax(g.slp_y_tilde, y);
    [g.slp_dldx, g.slp_dldw, g.slp_dldb] = FC_backward(g.slp_dldy, x, w, b, g.slp_y_tilde);
    [g.slp_dLdw_step, g.slp_dLdw_step_fixed] = steps(g.slp_dldw, size(w));
    g.a1 = FC(x, w1, b1);
    g.f1 = ReLu(g.a1);
    g.a2 = FC(g.f1, w2, b2);
    [g.mlp_L, g.dlda2] = Loss_cross_entropy_softmax(g.a2, y);
    [g.dldf1, g.dldw2, g.dldb2] = FC_backward(g.dlda2, g.f1, w2, b2, g.a2);
    g.dlda1 = ReLu_backward(g.dldf1, g.a1, g.f1);
    [g.dldx1, g.dldw1, g.dldb1] = FC_backward(g.dlda1, x, w1, b1, g.a1);
    [step2, step2_fixed] = steps(g.dldw2, size(w2));
    [step1, step1_fixed] = steps(g.dldw1, size(w1));
    g.dLdw2_step = step2;
    g.dLdw1_step = step1;
    g.dLdw2_step_fixed = step2_fixed;
    g.dLdw1_step_fixed = step1_fixed;
end

% FC_backward's 1 x (n*m) row as Train*.m add it to an n x m accumulator: as written
% (reshape(dldw, [n m]), erratum E3) and corrected (reshape(dldw, [m n])', as TrainCNN reads it).
function [as_written, fixed] = steps(dldw, nm)
    as_written = reshape(dldw, nm);
    fixed = transpose(reshape(dldw, [nm(2) nm(1)]));
end
