% golden_cnn_case (cnn-dual's make_golden.py): one image through the functions on the path
% (the original's, or its patched copy), every intermediate of TrainCNN's jImage loop in a
% struct, named as make_golden.py writes them. fixed: TrainCNN's conv weight step with erratum
% E2 corrected (the patched line), else as written.
function g = golden_cnn_case(x, y, w_conv, b_conv, w_fc, b_fc, fixed)
    [f, ~, c1, c2] = size(w_conv);
    g = struct();
    g.pred1 = Conv(x, w_conv, b_conv);
    g.pred2 = ReLu(g.pred1);
    g.pred3 = Pool2x2(g.pred2);
    g.pred4 = Flattening(g.pred3);
    g.pred5 = FC(g.pred4, w_fc, b_fc);
    [g.L, g.dldy] = Loss_cross_entropy_softmax(g.pred5, y);
    [g.dldx_fc, g.dldw, g.dldb] = FC_backward(g.dldy, g.pred4, w_fc, b_fc, g.pred5);
    g.dldx_flat = Flattening_backward(g.dldx_fc, g.pred3, g.pred4);
    g.dldx_pool = Pool2x2_backward(g.dldx_flat, g.pred2, g.pred3);
    g.dldx_relu = ReLu_backward(g.dldx_pool, g.pred1, g.pred2);
    [g.dldw_conv, g.dldb_conv] = Conv_backward(g.dldx_relu, x, w_conv, b_conv, g.pred1);
    % what TrainCNN adds to its accumulators for this image
    if fixed
        g.dLdw_conv_step = reshape(transpose(reshape(g.dldw_conv, [c2 f*f*c1])), [f f c1 c2]);
    else
        g.dLdw_conv_step = reshape(g.dldw_conv, [f f c1 c2]);
    end
    g.dLdw_fc_step = transpose(reshape(g.dldw, [size(w_fc, 2) size(w_fc, 1)]));
end
