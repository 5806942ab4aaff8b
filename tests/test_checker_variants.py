"""scripts/check_matlab.py on the assignment as students write it: other learning rates,
schedules, starting weights, batch idioms and layouts (correct, or a layout), the mistakes
students make in a Train*.m (each named), layer functions in MATLAB-only or Octave-shimmed
idioms, and GetMiniBatch's off-by-ones. Each variant is a small folder written here (the
trainers and most layers in the styles of real submissions; the layers a trainer needs but
the variant is not about are the patched original's), checked with ``--functions`` naming
only the functions under test. Variants of different functions share a folder and one run
of the checker (a module-scoped cache): a run costs a few seconds of Octave."""

import contextlib
import io
import json
import shutil
import textwrap
from dataclasses import dataclass, field

import pytest

from checker.check import CLASSDEF
from checker.layers import CONV_W_SHAPE, FC_MATRIX, LEAKY, NO_BIAS
from checker.minibatch import HARD_CODED, ROW_CELLS
from checker.training import NOT_RESET, OPPOSITE, STEPS
from conftest import load_script

check_matlab = load_script("check_matlab")


def m(text):
    """A .m file's text, as written below (indented in this file)."""
    return textwrap.dedent(text).lstrip("\n")


# ---- trainers -------------------------------------------------------------------------------

SLP_RATE_AND_DECAY = m("""
    function [w, b] = TrainSLP(mini_batch_x, mini_batch_y)
    % single layer perceptron: softmax cross-entropy, mini-batch SGD
    learning_rate = 0.4;
    decay_rate = 0.8;   % every 1000 iterations
    w = normrnd(0, 1, [10 196]);
    b = zeros(10, 1);
    nBatches = size(mini_batch_x, 1);
    k = 1;
    for iter = 1:10000
        if rem(iter, 1000) == 0
            learning_rate = decay_rate * learning_rate;
        end
        dLdw = zeros(10, 196);
        dLdb = zeros(10, 1);
        batch_size = size(mini_batch_x{k}, 2);
        for i = 1:batch_size
            x = mini_batch_x{k}(:, i);
            y = mini_batch_y{k}(:, i);
            y_tilde = FC(x, w, b);
            [l, dldy] = Loss_cross_entropy_softmax(y_tilde, y);
            [~, dldw, dldb] = FC_backward(dldy, x, w, b, y_tilde);
            dLdw = dLdw + reshape(dldw, [196 10])';
            dLdb = dLdb + dldb';
        end
        k = k + 1;
        if k > nBatches
            k = 1;
        end
        w = w - learning_rate / batch_size * dLdw;
        b = b - learning_rate / batch_size * dLdb;
    end
    end
    """)

SLP_LINEAR_SUMMED_RANDN = m("""
    function [w, b] = TrainSLP_linear(mini_batch_x, mini_batch_y)
        rng('default');
        w = randn(10, 196);
        b = randn(10, 1);
        gamma = 0.005;
        lambda = 0.9;
        K = size(mini_batch_x, 1);
        k = 1;
        loss = zeros(1, 10000);
        for iIter = 1:10000
            if mod(iIter, 1000) == 0
                gamma = gamma * lambda;
            end
            dLdw = 0;
            dLdb = 0;
            X = mini_batch_x{k};
            Y = mini_batch_y{k};
            for j = 1:size(X, 2)
                y_tilde = FC(X(:, j), w, b);
                [l, dldy] = Loss_euclidean(y_tilde, Y(:, j));
                loss(iIter) = loss(iIter) + l;
                [~, dldw, dldb] = FC_backward(dldy, X(:, j), w, b, y_tilde);
                dLdw = dLdw + reshape(dldw, size(w, 2), size(w, 1))';
                dLdb = dLdb + dldb';
            end
            % the batch's summed gradient: no division by its size
            w = w - gamma * dLdw;
            b = b - gamma * dLdb;
            k = mod(k, K) + 1;
        end
        figure; plot(loss); title('SLP linear');
    end
    """)

MLP_20000_RAND = m("""
    function [w1, b1, w2, b2] = TrainMLP(mini_batch_x, mini_batch_y)
    % 30 hidden units; twice the handout's iterations
    rng('default');
    w1 = rand([30 196]) - 0.5;
    b1 = rand([30, 1]);
    w2 = rand([10 30]) - 0.5;
    b2 = rand([10, 1]);
    batches = size(mini_batch_x, 1);
    learning_rate = 0.2;
    decay_rate = 0.75;
    decay_interval = 1000;
    nIters = 20000;
    loss = zeros(nIters, 1);
    k = 1;
    for iIter = 1:nIters
        if rem(iIter, decay_interval) == 0
            learning_rate = decay_rate * learning_rate;
        end
        dLdW1 = zeros(size(w1)); dLdB1 = zeros(size(b1));
        dLdW2 = zeros(size(w2)); dLdB2 = zeros(size(b2));
        batch_size = size(mini_batch_x{k}, 2);
        for i = 1:batch_size
            x = mini_batch_x{k}(:, i);
            a1 = FC(x, w1, b1);
            f1 = ReLu(a1);
            a2 = FC(f1, w2, b2);
            [L, dLda2] = Loss_cross_entropy_softmax(a2, mini_batch_y{k}(:, i));
            loss(iIter) = loss(iIter) + L;
            [dLdf1, dldw2, dldb2] = FC_backward(dLda2, f1, w2, b2, a2);
            dLda1 = ReLu_backward(dLdf1, a1, f1);
            [~, dldw1, dldb1] = FC_backward(dLda1, x, w1, b1, a1);
            dLdW1 = dLdW1 + reshape(dldw1, [196 30])';
            dLdB1 = dLdB1 + dldb1';
            dLdW2 = dLdW2 + reshape(dldw2, [30 10])';
            dLdB2 = dLdB2 + dldb2';
        end
        k = k + 1;
        if k > batches
            k = 1;
        end
        w1 = w1 - learning_rate * dLdW1 / batch_size;
        b1 = b1 - learning_rate * dLdB1 / batch_size;
        w2 = w2 - learning_rate * dLdW2 / batch_size;
        b2 = b2 - learning_rate * dLdB2 / batch_size;
    end
    end
    """)

FC_BACKWARD_MATRIX = m("""
    function [dLdx, dLdw, dLdb] = FC_backward(dLdy, x, w, b, y)
    % dLdw in w's own shape, n x m: dL/dw(i,j) = dLdy(i) x(j)
    dLdx = dLdy * w;
    dLdw = dLdy' * x';
    dLdb = dLdy;
    end
    """)

SLP_WITH_MATRIX_GRADIENT = m("""
    function [w, b] = TrainSLP(mini_batch_x, mini_batch_y)
        nBatches = size(mini_batch_x, 1);
        w = normrnd(0, 1, [10 196]);
        b = zeros(10, 1);
        lr = 0.1;
        batch = 1;
        for it = 1:10000
            if mod(it, 1000) == 0
                lr = 0.9 * lr;
            end
            gw = zeros(size(w));
            gb = zeros(size(b));
            n = size(mini_batch_x{batch}, 2);
            for i = 1:n
                x = mini_batch_x{batch}(:, i);
                s = FC(x, w, b);
                [~, dldy] = Loss_cross_entropy_softmax(s, mini_batch_y{batch}(:, i));
                [~, dldw, dldb] = FC_backward(dldy, x, w, b, s);
                gw = gw + dldw;           % FC_backward gives it in w's shape
                gb = gb + dldb';
            end
            w = w - lr * gw / n;
            b = b - lr * gb / n;
            batch = batch + 1;
            if batch > nBatches
                batch = 1;
            end
        end
    end
    """)

MLP_WEIGHT_DECAY = m("""
    function [w1, b1, w2, b2] = TrainMLP(mini_batch_x, mini_batch_y)
        nBatches = size(mini_batch_x, 1);
        w1 = normrnd(0, 1, [30 196]); b1 = zeros(30, 1);
        w2 = normrnd(0, 1, [10 30]); b2 = zeros(10, 1);
        lr = 0.5;
        decay = 0.75;
        wd = 0.001;          % L2 weight decay on the weights, not on the biases
        kBatch = 1;
        for iIter = 1:10000
            if mod(iIter, 1000) == 0
                lr = lr * decay;
            end
            gw1 = zeros(30, 196); gb1 = zeros(30, 1);
            gw2 = zeros(10, 30); gb2 = zeros(10, 1);
            nb = size(mini_batch_x{kBatch}, 2);
            for j = 1:nb
                x = mini_batch_x{kBatch}(:, j);
                a1 = FC(x, w1, b1);
                f1 = ReLu(a1);
                a2 = FC(f1, w2, b2);
                [~, dlda2] = Loss_cross_entropy_softmax(a2, mini_batch_y{kBatch}(:, j));
                [dldf1, dldw2, dldb2] = FC_backward(dlda2, f1, w2, b2, a2);
                dlda1 = ReLu_backward(dldf1, a1, f1);
                [~, dldw1, dldb1] = FC_backward(dlda1, x, w1, b1, a1);
                gw1 = gw1 + dldw1; gb1 = gb1 + dldb1';
                gw2 = gw2 + dldw2; gb2 = gb2 + dldb2';
            end
            w1 = w1 - lr * (gw1 / nb + wd * w1);
            b1 = b1 - lr * gb1 / nb;
            w2 = w2 - lr * (gw2 / nb + wd * w2);
            b2 = b2 - lr * gb2 / nb;
            kBatch = kBatch + 1;
            if kBatch > nBatches
                kBatch = 1;
            end
        end
    end
    """)

GET_MINI_BATCH_ROW_CELLS = m("""
    function [mini_batch_x, mini_batch_y] = GetMiniBatch(im_train, label_train, batch_size)
        label_onehot = zeros(10, size(label_train, 2));
        for i = 1:size(label_train, 2)
            label_onehot(label_train(i) + 1, i) = 1;
        end
        index = randperm(size(im_train, 2));
        mini_batch_x = {};
        mini_batch_y = {};
        for first = 1:batch_size:numel(index)
            last = min(first + batch_size - 1, numel(index));
            mini_batch_x{end + 1} = im_train(:, index(first:last));
            mini_batch_y{end + 1} = label_onehot(:, index(first:last));
        end
    end
    """)

SLP_LINEAR_ROW_CELLS = m("""
    function [w, b] = TrainSLP_linear(mini_batch_x, mini_batch_y)
        num_batches = size(mini_batch_x, 2);   % GetMiniBatch makes 1 x K cells
        learning_rate = 0.02;
        decay_rate = 0.9;
        w = normrnd(0, 1, [10, 196]);
        b = zeros(10, 1);
        k = 1;
        nIter = 10000;
        L = zeros(nIter, 1);
        for iter = 1:nIter
            if ~rem(iter, 1000)
                learning_rate = decay_rate * learning_rate;
            end
            dLdw = 0;
            dLdb = 0;
            num_images = size(mini_batch_x{k}, 2);
            for image = 1:num_images
                x = mini_batch_x{k}(:, image);
                y = FC(x, w, b);
                [Loss, dLdy] = Loss_euclidean(y, mini_batch_y{k}(:, image));
                L(iter) = L(iter) + Loss;
                [~, dldw, dldb] = FC_backward(dLdy, x, w, b, y);
                dLdw = dLdw + reshape(dldw, [196 10]);
                dLdb = dLdb + dldb;
            end
            k = k + 1;
            if k > num_batches
                k = 1;
            end
            w = w - (learning_rate * dLdw') / num_images;
            b = b - (learning_rate * dLdb') / num_images;
        end
    end
    """)

FC_ANY_BIAS = m("""
    function y = FC(x, w, b)
        y = w * x + b(:);   % b a row or a column
    end
    """)

MLP_ROW_BIASES = m("""
    function [w1, b1, w2, b2] = TrainMLP(mini_batch_x, mini_batch_y)
        % biases kept as rows, as FC_backward gives their gradients
        num_batches = size(mini_batch_x, 2);
        w1 = normrnd(0, 1, [30 196]);
        b1 = zeros(1, 30);
        w2 = normrnd(0, 1, [10 30]);
        b2 = zeros(1, 10);
        learning_rate = 0.6;
        k = 1;
        for iter = 1:10000
            if ~rem(iter, 1000)
                learning_rate = 0.9 * learning_rate;
            end
            dLdw1 = 0; dLdb1 = 0; dLdw2 = 0; dLdb2 = 0;
            num_images = size(mini_batch_x{k}, 2);
            for image = 1:num_images
                x = mini_batch_x{k}(:, image);
                a1 = FC(x, w1, b1);
                f1 = ReLu(a1);
                a2 = FC(f1, w2, b2);
                [~, dlda2] = Loss_cross_entropy_softmax(a2, mini_batch_y{k}(:, image));
                [dldf1, dldw2, dldb2] = FC_backward(dlda2, f1, w2, b2, a2);
                dlda1 = ReLu_backward(dldf1, a1, f1);
                [~, dldw1, dldb1] = FC_backward(dlda1, x, w1, b1, a1);
                dLdw1 = dLdw1 + reshape(dldw1, [196 30])';
                dLdb1 = dLdb1 + dldb1;
                dLdw2 = dLdw2 + reshape(dldw2, [30 10])';
                dLdb2 = dLdb2 + dldb2;
            end
            k = k + 1;
            if k > num_batches
                k = 1;
            end
            w1 = w1 - learning_rate * dLdw1 / num_images;
            b1 = b1 - learning_rate * dLdb1 / num_images;
            w2 = w2 - learning_rate * dLdw2 / num_images;
            b2 = b2 - learning_rate * dLdb2 / num_images;
        end
    end
    """)

# ---- wrong trainers ---------------------------------------------------------------------

SLP_LINEAR_NOT_RESET = m("""
    function [w, b] = TrainSLP_linear(mini_batch_x, mini_batch_y)
        nBatches = size(mini_batch_x, 1);
        gamma = 0.01;
        lambda = 0.8;
        w = normrnd(0, 1, [10 196]);
        b = zeros(10, 1);
        dLdw = zeros(10, 196);    % set to zero once, before the loop
        dLdb = zeros(10, 1);
        k = 1;
        for iIter = 1:10000
            if mod(iIter, 1000) == 0
                gamma = lambda * gamma;
            end
            n = size(mini_batch_x{k}, 2);
            for j = 1:n
                x = mini_batch_x{k}(:, j);
                y = mini_batch_y{k}(:, j);
                y_tilde = FC(x, w, b);
                [~, dldy] = Loss_euclidean(y_tilde, y);
                [~, dldw, dldb] = FC_backward(dldy, x, w, b, y_tilde);
                dLdw = dLdw + reshape(dldw, [196 10])';
                dLdb = dLdb + dldb';
            end
            w = w - gamma / n * dLdw;
            b = b - gamma / n * dLdb;
            k = k + 1;
            if k > nBatches, k = 1; end
        end
    end
    """)

SLP_UPHILL = m("""
    function [w, b] = TrainSLP(mini_batch_x, mini_batch_y)
        nBatches = size(mini_batch_x, 1);
        gamma = 0.5;
        w = normrnd(0, 1, [10 196]);
        b = zeros(10, 1);
        k = 1;
        for iIter = 1:10000
            dLdw = zeros(10, 196);
            dLdb = zeros(10, 1);
            n = size(mini_batch_x{k}, 2);
            for j = 1:n
                x = mini_batch_x{k}(:, j);
                y_tilde = FC(x, w, b);
                [~, dldy] = Loss_cross_entropy_softmax(y_tilde, mini_batch_y{k}(:, j));
                [~, dldw, dldb] = FC_backward(dldy, x, w, b, y_tilde);
                dLdw = dLdw + reshape(dldw, [196 10])';
                dLdb = dLdb + dldb';
            end
            w = w + gamma / n * dLdw;
            b = b + gamma / n * dLdb;
            k = k + 1;
            if k > nBatches, k = 1; end
        end
    end
    """)

MLP_PER_IMAGE = m("""
    function [w1, b1, w2, b2] = TrainMLP(mini_batch_x, mini_batch_y)
        nBatches = size(mini_batch_x, 1);
        w1 = normrnd(0, 1, [30 196]); b1 = zeros(30, 1);
        w2 = normrnd(0, 1, [10 30]); b2 = zeros(10, 1);
        gamma = 0.1;
        k = 1;
        for iIter = 1:10000
            if mod(iIter, 1000) == 0
                gamma = 0.75 * gamma;
            end
            for j = 1:size(mini_batch_x{k}, 2)
                x = mini_batch_x{k}(:, j);
                a1 = FC(x, w1, b1);
                f1 = ReLu(a1);
                a2 = FC(f1, w2, b2);
                [~, dlda2] = Loss_cross_entropy_softmax(a2, mini_batch_y{k}(:, j));
                [dldf1, dldw2, dldb2] = FC_backward(dlda2, f1, w2, b2, a2);
                dlda1 = ReLu_backward(dldf1, a1, f1);
                [~, dldw1, dldb1] = FC_backward(dlda1, x, w1, b1, a1);
                % stochastic: a step after each image
                w1 = w1 - gamma * reshape(dldw1, [196 30])';
                b1 = b1 - gamma * dldb1';
                w2 = w2 - gamma * reshape(dldw2, [30 10])';
                b2 = b2 - gamma * dldb2';
            end
            k = k + 1;
            if k > nBatches, k = 1; end
        end
    end
    """)

MLP_64_HIDDEN = m("""
    function [w1, b1, w2, b2] = TrainMLP(mini_batch_x, mini_batch_y)
        hidden = 64;     % more hidden units than the handout's 30: more capacity
        w1 = normrnd(0, 1, [hidden 196]); b1 = zeros(hidden, 1);
        w2 = normrnd(0, 1, [10 hidden]); b2 = zeros(10, 1);
        gamma = 1.0; lambda = 0.75;
        nBatches = size(mini_batch_x, 1);
        kBatchNo = 1;
        for iIter = 1:10000
            if mod(iIter, 1000) == 0
                gamma = lambda * gamma;
            end
            dLdw1 = zeros(hidden, 196); dLdb1 = zeros(hidden, 1);
            dLdw2 = zeros(10, hidden); dLdb2 = zeros(10, 1);
            n = size(mini_batch_x{kBatchNo}, 2);
            for j = 1:n
                x = mini_batch_x{kBatchNo}(:, j);
                a1 = FC(x, w1, b1);
                f1 = ReLu(a1);
                a2 = FC(f1, w2, b2);
                [~, dlda2] = Loss_cross_entropy_softmax(a2, mini_batch_y{kBatchNo}(:, j));
                [dldf1, dldw2, dldb2] = FC_backward(dlda2, f1, w2, b2, a2);
                dlda1 = ReLu_backward(dldf1, a1, f1);
                [~, dldw1, dldb1] = FC_backward(dlda1, x, w1, b1, a1);
                dLdw2 = dLdw2 + reshape(dldw2, [hidden 10])';
                dLdb2 = dLdb2 + dldb2';
                dLdw1 = dLdw1 + reshape(dldw1, [196 hidden])';
                dLdb1 = dLdb1 + dldb1';
            end
            w2 = w2 - gamma / n * dLdw2; b2 = b2 - gamma / n * dLdb2;
            w1 = w1 - gamma / n * dLdw1; b1 = b1 - gamma / n * dLdb1;
            kBatchNo = kBatchNo + 1;
            if kBatchNo > nBatches
                kBatchNo = 1;
            end
        end
    end
    """)

SLP_BIAS_NEVER_UPDATED = m("""
    function [w, b] = TrainSLP(mini_batch_x, mini_batch_y)
        nBatches = size(mini_batch_x, 1);
        gamma = 0.5; lambda = 0.5;
        w = normrnd(0, 1, [10 196]);
        b = zeros(10, 1);
        k = 1;
        for iIter = 1:10000
            if mod(iIter, 1000) == 0
                gamma = lambda * gamma;
            end
            dLdw = zeros(10, 196);
            n = size(mini_batch_x{k}, 2);
            for j = 1:n
                x = mini_batch_x{k}(:, j);
                y_tilde = FC(x, w, b);
                [~, dldy] = Loss_cross_entropy_softmax(y_tilde, mini_batch_y{k}(:, j));
                [~, dldw, ~] = FC_backward(dldy, x, w, b, y_tilde);
                dLdw = dLdw + reshape(dldw, [196 10])';
            end
            w = w - gamma / n * dLdw;
            k = k + 1;
            if k > nBatches, k = 1; end
        end
    end
    """)

SLP_LINEAR_BIAS_MATRIX = m("""
    function [w, b] = TrainSLP_linear(mini_batch_x, mini_batch_y)
        num_batches = size(mini_batch_x, 1);
        learning_rate = 0.01;
        w = normrnd(0, 1, [10, 196]);
        b = zeros(10, 1);
        k = 1;
        for iter = 1:10000
            dLdw = 0;
            dLdb = 0;
            num_images = size(mini_batch_x{k}, 2);
            for image = 1:num_images
                x = mini_batch_x{k}(:, image);
                y = FC(x, w, b);
                [~, dLdy] = Loss_euclidean(y, mini_batch_y{k}(:, image));
                [~, dldw, dldb] = FC_backward(dLdy, x, w, b, y);
                dLdw = dLdw + reshape(dldw, [196 10])';
                dLdb = dLdb + dldb;     % a 1 x 10 row
            end
            k = k + 1;
            if k > num_batches
                k = 1;
            end
            w = w - learning_rate * dLdw / num_images;
            b = b - learning_rate * dLdb / num_images;   % 10 x 1 minus 1 x 10
        end
    end
    """)

MLP_RELU_ON_LOGITS = m("""
    function [w1, b1, w2, b2] = TrainMLP(mini_batch_x, mini_batch_y)
    gamma = 0.01;
    lambda = 0.6;
    w1 = normrnd(0, 1, [30 196]); b1 = zeros(30, 1);
    w2 = normrnd(0, 1, [10 30]); b2 = zeros(10, 1);
    k = 1;
    for iter = 1:10000
        if mod(iter, 1000) == 0
            gamma = lambda * gamma;
        end
        dLdw1 = 0; dLdw2 = 0;
        dLdb1 = 0; dLdb2 = 0;
        batch_size = size(mini_batch_x{k}, 2);
        for i = 1:batch_size
            x = mini_batch_x{k}(:, i);
            y = mini_batch_y{k}(:, i);
            a1 = FC(x, w1, b1);
            f1 = ReLu(a1);
            a2 = FC(f1, w2, b2);
            f2 = ReLu(a2);   % ReLu after the second layer too
            [l, dldf2] = Loss_cross_entropy_softmax(f2, y);
            dlda2 = ReLu_backward(dldf2, a2, f2);
            [dldf1, dldw2, dldb2] = FC_backward(dlda2, f1, w2, b2, a2);
            dLdw2 = dLdw2 + reshape(dldw2, [30 10])';
            dLdb2 = dLdb2 + dldb2';
            dlda1 = ReLu_backward(dldf1, a1, f1);
            [dldx, dldw1, dldb1] = FC_backward(dlda1, x, w1, b1, a1);
            dLdw1 = dLdw1 + reshape(dldw1, [196 30])';
            dLdb1 = dLdb1 + dldb1';
        end
        if k >= length(mini_batch_x)
            k = 1;
        else
            k = k + 1;
        end
        w2 = w2 - (gamma / batch_size) * dLdw2;
        b2 = b2 - (gamma / batch_size) * dLdb2;
        w1 = w1 - (gamma / batch_size) * dLdw1;
        b1 = b1 - (gamma / batch_size) * dLdb1;
    end
    end
    """)

SLP_LINEAR_MOMENTUM = m("""
    function [w, b] = TrainSLP_linear(mini_batch_x, mini_batch_y)
        w = normrnd(0, 1, [10 196]); b = zeros(10, 1);
        lr = 0.01; mu = 0.9;                 % SGD with momentum
        vw = zeros(size(w)); vb = zeros(size(b));
        K = size(mini_batch_x, 1);
        for iIter = 1:10000
            k = mod(iIter - 1, K) + 1;
            gw = zeros(10, 196); gb = zeros(10, 1);
            for i = 1:size(mini_batch_x{k}, 2)
                x = mini_batch_x{k}(:, i);
                y_tilde = FC(x, w, b);
                [~, dldy] = Loss_euclidean(y_tilde, mini_batch_y{k}(:, i));
                [~, dldw, dldb] = FC_backward(dldy, x, w, b, y_tilde);
                gw = gw + dldw;
                gb = gb + dldb';
            end
            vw = mu * vw - lr * gw / size(mini_batch_x{k}, 2);
            vb = mu * vb - lr * gb / size(mini_batch_x{k}, 2);
            w = w + vw;
            b = b + vb;
        end
    end
    """)

SLP_RANDOM_ORDER = m("""
    function [w, b] = TrainSLP(mini_batch_x, mini_batch_y)
        K = numel(mini_batch_x);
        w = randn(10, 196) * sqrt(2 / (196 + 10));   % Xavier
        b = zeros(10, 1);
        iter = 0;
        while iter < 10000
            for k = randperm(K)          % the batches in a new order every epoch
                iter = iter + 1;
                lr = 0.5 * 0.9995 ^ iter;   % decays a little every iteration
                X = mini_batch_x{k}; Y = mini_batch_y{k};
                gw = zeros(10, 196); gb = zeros(10, 1);
                for i = 1:size(X, 2)
                    s = FC(X(:, i), w, b);
                    [~, d] = Loss_cross_entropy_softmax(s, Y(:, i));
                    [~, dw, db] = FC_backward(d, X(:, i), w, b, s);
                    gw = gw + reshape(dw, 196, 10)';
                    gb = gb + db(:);
                end
                w = w - lr * gw / size(X, 2);
                b = b - lr * gb / size(X, 2);
            end
        end
    end
    """)

SLP_BATCH_AT_ONCE = m("""
    function [w, b] = TrainSLP(mini_batch_x, mini_batch_y)
        w = normrnd(0, 1, [10 196]); b = zeros(10, 1);
        lr = 0.5;
        K = size(mini_batch_x, 1);
        for iIter = 1:10000
            if mod(iIter, 1000) == 0
                lr = lr / 2;
            end
            k = mod(iIter - 1, K) + 1;
            X = mini_batch_x{k}; Y = mini_batch_y{k}; n = size(X, 2);
            S = FC(X, w, b);                       % the whole batch at once, 10 x n
            P = exp(S) ./ sum(exp(S), 1);
            G = P - Y;                             % dL/dS of each image
            w = w - lr / n * G * X';
            b = b - lr / n * sum(G, 2);
        end
    end
    """)

SLP_LINEAR_COUNTS_COLUMNS = m("""
    function [w, b] = TrainSLP_linear(mini_batch_x, mini_batch_y)
        num_batches = size(mini_batch_y,2);
        input_length = size(mini_batch_x{1}(:,1),1);
        num_classes = size(mini_batch_y{1}(:,1),1);

        rng('default')
        learning_rate = 0.02;
        decay_rate = 1;
        w = normrnd(0,1,[num_classes,input_length]);
        b = normrnd(0,1,[num_classes,1]);
        k=1;
        nIter = 10000;
        L = zeros(nIter,1);
        for iter=1:nIter
            if ~rem(iter, 1000)
                learning_rate = decay_rate*learning_rate;
            end
            dLdw = 0;
            dLdb = 0;
            num_images = size(mini_batch_x{k}, 2);
            for image=1:num_images
                y=FC(mini_batch_x{k}(:,image),w,b);
                [Loss,dLdy] = Loss_euclidean(y, mini_batch_y{k}(:, image));
                L(iter) = L(iter) + Loss;
                [~,dldw,dldb] = FC_backward(dLdy,mini_batch_x{k}(:,image),w,b,mini_batch_y{k}(:, image));
                dLdw = dLdw + reshape(dldw, [input_length num_classes]);
                dLdb = dLdb + dldb;
            end
            k=k+1;
            if k > num_batches
                k = 1;
            end
            w = w-(learning_rate*dLdw')/num_images;
            b = b-(learning_rate*dLdb')/num_images;
            L(iter) = L(iter)/num_images;
        end
    end
    """)

SLP_BIAS_AS_A_WEIGHT = m("""
    function [w, b] = TrainSLP(mini_batch_x, mini_batch_y)
        % the bias as one more column of the weights, each image with a 1 appended
        W = [normrnd(0, 1, [10 196]), zeros(10, 1)];
        lr = 0.5;
        K = size(mini_batch_x, 1);
        for iIter = 1:10000
            k = mod(iIter - 1, K) + 1;
            n = size(mini_batch_x{k}, 2);
            G = zeros(size(W));
            for i = 1:n
                x = [mini_batch_x{k}(:, i); 1];
                s = FC(x, W, zeros(10, 1));
                [~, d] = Loss_cross_entropy_softmax(s, mini_batch_y{k}(:, i));
                [~, dw] = FC_backward(d, x, W, zeros(10, 1), s);
                G = G + reshape(dw, [197 10])';
            end
            W = W - lr / n * G;
        end
        w = W(:, 1:196);
        b = W(:, 197);
    end
    """)


# ---- the CNN ----------------------------------------------------------------------------

CONV_BACKWARD_4D = m("""
    function [dLdw, dLdb] = Conv_backward(dLdy, x, w_conv, b_conv, y)
    [H, W, C1] = size(x);
    padding = 1;
    X = padarray(x, [padding, padding]);
    new_X = im2col(X, [3, 3]);
    new_dLdy = reshape(dLdy, [H * W 3]);
    dLdw = reshape(new_X * new_dLdy, [3 3 1 3]);   % w_conv's own shape
    dLdb = zeros(size(b_conv));
    for i = 1:size(w_conv, 4)
        dLdb(i, 1) = sum(sum(dLdy(:, :, i)));
    end
    end
    """)

CNN_4D_RAND = m("""
    function [w_conv, b_conv, w_fc, b_fc] = TrainCNN(mini_batch_x, mini_batch_y)
    rng('default');
    w_conv = rand(3, 3, 1, 3);
    b_conv = rand(3, 1);
    w_fc = rand(10, 147);
    b_fc = rand(10, 1);
    k = 1;
    batches = size(mini_batch_x, 1);
    learning_rate = 0.1;
    decay_rate = 0.8;
    for iIter = 1:10000
        if rem(iIter, 1000) == 0
            learning_rate = decay_rate * learning_rate;
        end
        dLdw_conv = 0; dLdb_conv = 0; dLdw_fc = 0; dLdb_fc = 0;
        batch_size = size(mini_batch_x{k}, 2);
        for i = 1:batch_size
            X = reshape(mini_batch_x{k}(:, i), [14 14 1]);
            c = Conv(X, w_conv, b_conv);
            f = ReLu(c);
            p = Pool2x2(f);
            v = Flattening(p);
            s = FC(v, w_fc, b_fc);
            [L, dlds] = Loss_cross_entropy_softmax(s, mini_batch_y{k}(:, i));
            [dldv, dldw_fc, dldb_fc] = FC_backward(dlds, v, w_fc, b_fc, s);
            dldp = Flattening_backward(dldv, p, v);
            dldf = Pool2x2_backward(dldp, f, p);
            dldc = ReLu_backward(dldf, c, f);
            [dldw_conv, dldb_conv] = Conv_backward(dldc, X, w_conv, b_conv, c);
            dLdw_conv = dLdw_conv + dldw_conv;          % 3x3x1x3, as w_conv
            dLdb_conv = dLdb_conv + dldb_conv;
            dLdw_fc = dLdw_fc + reshape(dldw_fc, [147 10])';
            dLdb_fc = dLdb_fc + dldb_fc';
        end
        k = k + 1;
        if k > batches
            k = 1;
        end
        w_conv = w_conv - (learning_rate * dLdw_conv) / batch_size;
        b_conv = b_conv - (learning_rate * dLdb_conv) / batch_size;
        w_fc = w_fc - (learning_rate * dLdw_fc) / batch_size;
        b_fc = b_fc - (learning_rate * dLdb_fc) / batch_size;
    end
    end
    """)

# ---- layers -----------------------------------------------------------------------------

FC_BACKWARD_COLUMN_DLDY = m("""
    function [dLdx dLdw dLdb]= FC_backward(dLdy, x,w,b,y)
    dLdw=dLdy*x';
    dLdb= dLdy;
    dLdx= w'*dLdy;
    end
    """)

LOSS_SHIMMED = m("""
    function [L, dLdy] = Loss_cross_entropy_softmax(x, y)
    p = softmax(x);
    L = -sum(y .* log(p), 'all');
    dLdy = (p - y)';
    end
    """)

POOL_BACKWARD_COL2IM = m("""
    function [dLdx] = Pool2x2_backward(dLdy, x, y)
        dLdx = zeros(size(x));
        for channel = 1:size(x, 3)
            x_col = im2col(x(:, :, channel), [2, 2], 'distinct');
            dldy = dLdy(:, :, channel);
            dldx = zeros(size(x_col));
            for col = 1:size(x_col, 2)
                [~, id] = max(x_col(:, col));
                dldx(id, col) = dldy(col);
            end
            dLdx(:, :, channel) = col2im(dldx, [2, 2], size(x), 'distinct');
        end
    end
    """)

RELU_LEAKY = m("""
    function [y] = ReLu(x)
    % Leaky ReLu
    epsilon = 0.01;
    y = max(epsilon*x, x);
    end
    """)

FC_NO_BIAS = m("""
    function y = FC(x, w, b)
        y = w * x;
    end
    """)

CONV_NO_BIAS = m("""
    function [y] = Conv(x, w_conv, b_conv)
    [H, W, ~] = size(x);
    pad_x = padarray(x, [1, 1], 0);
    x_col = im2col(pad_x, [3 3]);
    y = zeros(H, W, size(w_conv, 4));
    for i = 1:size(w_conv, 4)
        w = w_conv(:, :, 1, i);
        y(:, :, i) = reshape(w(:)' * x_col, H, W);
    end
    end
    """)

LOSS_DLARRAY = m("""
    function [L, dLdy] = Loss_cross_entropy_softmax(x, y)
        [L, g] = dlfeval(@lossAndGradient, dlarray(x), y);
        L = extractdata(L);
        dLdy = extractdata(g)';
    end

    function [L, g] = lossAndGradient(x, y)
        p = exp(x) / sum(exp(x));
        L = -sum(y .* log(p));
        g = dlgradient(L, x);
    end
    """)

RELU_CLASSDEF = m("""
    function y = ReLu(x)
        layer = ReluLayer();
        y = layer.forward(x);
    end
    """)

RELU_LAYER_CLASS = m("""
    classdef ReluLayer
        properties
            slope double = 0
        end
        methods
            function y = forward(obj, x)
                y = max(obj.slope * x, x);
            end
        end
    end
    """)

RELU_BACKWARD_WRONG = m("""
    function [dLdx] = ReLu_backward(dLdy,x,y)
        dLdx = dLdy.*(y >= 0);
    end
    """)

# ---- GetMiniBatch -----------------------------------------------------------------------

GET_MINI_BATCH_HEAD = m("""
    function [mini_batch_x, mini_batch_y] = GetMiniBatch(im_train, label_train, batch_size)
    n = size(im_train, 2);
    labels_onehot = zeros(10, n);
    for i = 1:n
        labels_onehot(label_train(i) + 1, i) = 1;
    end
    p = randperm(n);
    """)

GET_MINI_BATCH_DROPS = GET_MINI_BATCH_HEAD + m("""
    nBatches = floor(n / batch_size);
    mini_batch_x = cell(nBatches, 1);
    mini_batch_y = cell(nBatches, 1);
    for i = 1:nBatches
        idx = p((i - 1) * batch_size + 1:i * batch_size);
        mini_batch_x{i} = im_train(:, idx);
        mini_batch_y{i} = labels_onehot(:, idx);
    end
    end
    """)

GET_MINI_BATCH_EMPTY_LAST = GET_MINI_BATCH_HEAD + m("""
    sz = ceil(n / batch_size);
    mini_batch_x = cell(sz, 1);
    mini_batch_y = cell(sz, 1);
    for i = 1:n / batch_size
        mini_batch_x{i} = im_train(:, p((i - 1) * batch_size + 1:i * batch_size));
        mini_batch_y{i} = labels_onehot(:, p((i - 1) * batch_size + 1:i * batch_size));
    end
    end
    """)

GET_MINI_BATCH_30 = GET_MINI_BATCH_HEAD + m("""
    nBatches = ceil(n / batch_size);
    mini_batch_x = cell(nBatches, 1);
    mini_batch_y = cell(nBatches, 1);
    for i = 1:nBatches
        idx = p((i - 1) * batch_size + 1:min(i * 30, n));
        mini_batch_x{i} = im_train(:, idx);
        mini_batch_y{i} = labels_onehot(:, idx);
    end
    end
    """)


# ---- the folders, and what the checker must say of each function --------------------------

PERCEPTRON_LAYERS = ("FC", "FC_backward", "ReLu", "ReLu_backward",
                     "Loss_cross_entropy_softmax", "Loss_euclidean")
CNN_LAYERS = ("Conv", "Conv_backward", "ReLu", "ReLu_backward", "Pool2x2", "Pool2x2_backward",
              "Flattening", "Flattening_backward", "FC", "FC_backward",
              "Loss_cross_entropy_softmax")


@dataclass(frozen=True)
class Folder:
    """A folder of variants: the patched original's files named in ``patched`` and the
    student's own ``files`` ({file name: text}, beside or in place of them)."""

    patched: tuple = ()
    files: dict = field(default_factory=dict)


FOLDERS = {
    "schedules": Folder(PERCEPTRON_LAYERS, {
        "TrainSLP.m": SLP_RATE_AND_DECAY, "TrainSLP_linear.m": SLP_LINEAR_SUMMED_RANDN,
        "TrainMLP.m": MLP_20000_RAND, "ReLu_backward.m": RELU_BACKWARD_WRONG}),
    "w's shape": Folder(PERCEPTRON_LAYERS, {
        "FC_backward.m": FC_BACKWARD_MATRIX, "TrainSLP.m": SLP_WITH_MATRIX_GRADIENT,
        "TrainMLP.m": MLP_WEIGHT_DECAY, "TrainSLP_linear.m": SLP_LINEAR_MOMENTUM}),
    "row cells": Folder(PERCEPTRON_LAYERS, {
        "GetMiniBatch.m": GET_MINI_BATCH_ROW_CELLS, "FC.m": FC_ANY_BIAS,
        "TrainSLP_linear.m": SLP_LINEAR_ROW_CELLS, "TrainMLP.m": MLP_ROW_BIASES,
        "TrainSLP.m": SLP_RANDOM_ORDER}),
    "wrong steps": Folder(PERCEPTRON_LAYERS, {
        "TrainSLP_linear.m": SLP_LINEAR_NOT_RESET, "TrainSLP.m": SLP_UPHILL,
        "TrainMLP.m": MLP_PER_IMAGE}),
    "wrong networks": Folder(PERCEPTRON_LAYERS, {
        "TrainMLP.m": MLP_64_HIDDEN, "TrainSLP.m": SLP_BIAS_NEVER_UPDATED,
        "TrainSLP_linear.m": SLP_LINEAR_BIAS_MATRIX}),
    "other idioms": Folder(PERCEPTRON_LAYERS, {
        "TrainMLP.m": MLP_RELU_ON_LOGITS, "TrainSLP.m": SLP_BATCH_AT_ONCE,
        "TrainSLP_linear.m": SLP_LINEAR_COUNTS_COLUMNS}),
    "cnn": Folder(CNN_LAYERS, {  # and a TrainSLP: its layers are the CNN's, checked once
        "Conv_backward.m": CONV_BACKWARD_4D, "TrainCNN.m": CNN_4D_RAND,
        "TrainSLP.m": SLP_BIAS_AS_A_WEIGHT}),
    "layers": Folder((), {
        "FC_backward.m": FC_BACKWARD_COLUMN_DLDY, "Loss_cross_entropy_softmax.m": LOSS_SHIMMED,
        "Pool2x2_backward.m": POOL_BACKWARD_COL2IM, "ReLu.m": RELU_LEAKY, "FC.m": FC_NO_BIAS,
        "Conv.m": CONV_NO_BIAS}),
    "matlab only": Folder((), {
        "Loss_cross_entropy_softmax.m": LOSS_DLARRAY, "ReLu.m": RELU_CLASSDEF,
        "ReluLayer.m": RELU_LAYER_CLASS}),
    "drops the remainder": Folder((), {"GetMiniBatch.m": GET_MINI_BATCH_DROPS}),
    "empty last batch": Folder((), {"GetMiniBatch.m": GET_MINI_BATCH_EMPTY_LAST}),
    "hard-coded 30": Folder((), {"GetMiniBatch.m": GET_MINI_BATCH_30}),
}


@dataclass(frozen=True)
class Variant:
    """What the checker must say of ``function`` in folder ``folder``: its status, and its
    note: equal to ``note``, or starting with ``starts`` and holding each of ``holds``."""

    folder: str
    function: str
    status: str
    note: str | None = None
    starts: str = ""
    holds: tuple = ()


NOT_A_MULTIPLE = "the step of w is not a multiple of its mini-batch gradient (the nearest"

VARIANTS = {
    # correct trainers, whatever their schedule, start, batch idiom or layouts
    "lr 0.4, x0.8 every 1000": Variant(
        "schedules", "TrainSLP", "correct",
        starts="learning rate 0.4 on the batch mean (0.133 on its sum; the same for every "
               "parameter), constant over its first", holds=("b zero",)),
    "summed batch gradients, randn weights and biases": Variant(
        "schedules", "TrainSLP_linear", "correct",
        starts="learning rate 0.015 on the batch mean (0.005 on its sum;", holds=("; b mean",)),
    "nIter 20000, rand weights and biases": Variant(  # stopped after its first STEPS steps
        "schedules", "TrainMLP", "correct",
        starts="learning rate 0.2 on the batch mean (0.0667 on its sum;",
        holds=(f"constant over its first {STEPS} steps;", "; b1 mean", "; b2 mean")),
    # (beside a wrong ReLu_backward: see below)
    "FC_backward's dLdw in w's shape": Variant(
        "w's shape", "FC_backward", "layout", note=f"dLdw is 10x147 ({FC_MATRIX})"),
    "TrainSLP adding FC_backward's dLdw in w's shape": Variant(
        "w's shape", "TrainSLP", "correct", starts="learning rate 0.1 on the batch mean"),
    "weight decay": Variant(
        "w's shape", "TrainMLP", "correct", starts="learning rate 0.5 on the batch mean",
        holds=("; weight decay 0.001 on w1, 0.001 on w2 beside the batch mean's gradient "
               "(0.003, 0.003 beside its sum)",)),
    "GetMiniBatch in a 1 x K cell": Variant(
        "row cells", "GetMiniBatch", "correct", note=ROW_CELLS),
    "size(mini_batch_x, 2) batches from its own 1 x K GetMiniBatch": Variant(
        "row cells", "TrainSLP_linear", "correct", starts="learning rate 0.02 on the batch mean"),
    "biases kept as rows": Variant(
        "row cells", "TrainMLP", "correct", starts="learning rate 0.6 on the batch mean"),
    "batches in random order, a rate decaying every iteration": Variant(
        "row cells", "TrainSLP", "correct",
        starts="learning rate 0.5 on the batch mean (0.167 on its sum; the same for every "
               "parameter), changing over its first"),
    "the whole batch at once through FC": Variant(
        "other idioms", "TrainSLP", "correct", starts="learning rate 0.5 on the batch mean"),
    "size(mini_batch_y, 2) batches, given K x 1": Variant(
        "other idioms", "TrainSLP_linear", "correct",
        starts="given the mini-batches as 1 x K cell arrays (it counts them along the other "
               "dimension); learning rate 0.02 on the batch mean"),
    # wrong trainers, the mistake named
    "sums not reset": Variant("wrong steps", "TrainSLP_linear", "wrong", note=NOT_RESET),
    "uphill": Variant("wrong steps", "TrainSLP", "wrong", note=f"w {OPPOSITE}"),
    "per-image updates": Variant(
        "wrong steps", "TrainMLP", "wrong",
        note="updates the weights after every image, not once per mini-batch"),
    "momentum": Variant(  # each step mixes the earlier gradients in: not the assignment's
        "w's shape", "TrainSLP_linear", "wrong", starts=NOT_A_MULTIPLE),
    "64 hidden units": Variant(
        "wrong networks", "TrainMLP", "wrong",
        note="the hidden layer has 64 units (w1 is 64x196); the assignment's has 30 "
             "(w1 30x196)"),
    "bias never updated": Variant("wrong networks", "TrainSLP", "wrong",
                                  note="b is never updated"),
    "bias broadcast to a matrix": Variant(
        "wrong networks", "TrainSLP_linear", "wrong",
        starts="b is 10x10: a bias broadcast to a matrix (a row added to a column?); then it "
               "fails: "),
    "ReLU on the logits": Variant(
        "other idioms", "TrainMLP", "wrong",
        note="a ReLU on the logits: the loss is given ReLu(FC(...)), not the last FC's scores"),
    "the bias as a 197th weight column": Variant(  # FC given [x; 1]: not followed, but judged
        "cnn", "TrainSLP", "wrong",
        note="its forward passes call no FC on an image: the checker follows a Train*.m "
             "through the assignment's layer functions"),
    # a wrong layer is blamed on the layer, not on the trainer that calls it
    "a wrong ReLu_backward": Variant(
        "schedules", "ReLu_backward", "wrong",
        holds=("dLdx (a 1x30 dLdy, a 30x1 x) is 30x30, expected 1x30",)),
    "TrainMLP beside a wrong ReLu_backward": Variant(
        "schedules", "TrainMLP", "correct",
        starts="learning rate 0.2 on the batch mean",
        holds=("; judged with the checker's own ReLu_backward (yours is wrong) in place of "
               "yours",)),
    # the CNN
    "Conv_backward's dLdw as w_conv": Variant(
        "cnn", "Conv_backward", "correct", starts=f"dLdw is 3x3x1x3 ({CONV_W_SHAPE}; "),
    "TrainCNN adding Conv_backward's dLdw as w_conv, rand start": Variant(
        "cnn", "TrainCNN", "correct", starts="learning rate 0.1 on the batch mean",
        holds=("; b_conv mean",)),
    # layers
    "FC_backward with a column dLdy": Variant(
        "layers", "FC_backward", "layout",
        starts="takes dLdy as a 10x1 column; the assignment's is 1x10; ",
        holds=(f"dLdw is 10x147 ({FC_MATRIX})",)),
    "softmax() and sum(..., 'all')": Variant(
        "layers", "Loss_cross_entropy_softmax", "correct", note=""),
    "col2im with size(x)": Variant(
        "layers", "Pool2x2_backward", "correct",
        note="a tied pooling block passes its gradient to its first maximum in column-major "
             "order, the original's convention"),
    "leaky ReLU": Variant(
        "layers", "ReLu", "correct",
        note=f"{LEAKY} (slope 0.01 below 0), allowed; the original's is max(0, x)"),
    "FC without its bias": Variant("layers", "FC", "wrong", note=NO_BIAS.format("b")),
    "Conv without its bias": Variant("layers", "Conv", "wrong", note=NO_BIAS.format("b_conv")),
    "dlarray": Variant(
        "matlab only", "Loss_cross_entropy_softmax", "unsupported",
        starts="calls dlarray (the Deep Learning Toolbox), which GNU Octave lacks: "),
    "classdef": Variant(
        "matlab only", "ReLu", "unsupported", starts=f"{CLASSDEF}: parse error near line 3"),
    # GetMiniBatch
    "drops the remainder": Variant(
        "drops the remainder", "GetMiniBatch", "wrong",
        note="drops the last 1 image(s): 120 of 121 used (121 images, batch size 30)"),
    "empty last batch": Variant(
        "empty last batch", "GetMiniBatch", "wrong",
        note="the last, partial batch is left empty: its 1 image(s) are dropped "
             "(121 images, batch size 30)"),
    "hard-coded 30": Variant(
        "hard-coded 30", "GetMiniBatch", "wrong", starts=f"{HARD_CODED}: right at 30, wrong at batch size 10 and 64 "),
}


def write_folder(folder, spec, patched):
    """The variants' folder: the patched original's files, then the student's own."""
    folder.mkdir(parents=True)
    for name in spec.patched:
        shutil.copy(patched / f"{name}.m", folder)
    for name, text in spec.files.items():
        (folder / name).write_text(text)
    return folder


@pytest.fixture(scope="module")
def verdicts(octave, patched_matlab, tmp_path_factory):
    """verdicts(folder) -> {function: verdict}: each folder of FOLDERS checked once, on the
    functions its variants are about."""
    reports = {}

    def verdicts_of(name):
        if name not in reports:
            folder = write_folder(tmp_path_factory.mktemp("variants") / "student",
                                  FOLDERS[name], patched_matlab)
            functions = {v.function: None for v in VARIANTS.values() if v.folder == name}
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                check_matlab.main([str(folder), "--format", "json", "--quiet",
                                   "--functions", ",".join(functions)])
            reports[name] = json.loads(out.getvalue())["functions"]
        return reports[name]

    return verdicts_of


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_variant_gets_its_status_and_reason(verdicts, variant):
    expected = VARIANTS[variant]
    verdict = verdicts(expected.folder)[expected.function]
    assert verdict["status"] == expected.status, verdict
    note = verdict["note"]
    if expected.note is not None:
        assert note == expected.note, note
    assert note.startswith(expected.starts), note
    for part in expected.holds:
        assert part in note, note
