% cnn_dual_layer (cnn-dual's checker): what a layer function called by a Train*.m under check
% runs (the run's FC.m, Conv.m, ... call it): the student's own (cnn_dual_student_NAME) or,
% where the student's is wrong, the checker's (cnn_dual_checker_NAME, on the arguments in the
% assignment's layout, its results in the layout of the student's, which is run for its shapes);
% where the student's fails or is missing, the checker's as it is ('checker_only'). Each call is
% recorded; the run stops (error cnn_dual:stop) once the input layer has been given
% settings.stop_after images (one a call, or a 196 x n batch at once), or after
% settings.max_calls calls: a Train*.m is judged by its first steps, not its 10,000 iterations.
function varargout = cnn_dual_layer(name, nout, varargin)
    global CNN_DUAL_TRACE CNN_DUAL_SETTINGS
    nout = max(nout, 1);
    out = cell(1, nout);
    mode = CNN_DUAL_SETTINGS.modes.(name);
    if strncmp(mode, 'checker', 7)
        theirs = {};
        if strcmp(mode, 'checker') && exist(['cnn_dual_student_' name], 'file')
            theirs = cell(1, nout);
            try
                [theirs{:}] = feval(['cnn_dual_student_' name], varargin{:});
            catch
                theirs = {};
            end
        end
        args = cnn_dual_assignment_args(name, varargin);
        [out{:}] = feval(['cnn_dual_checker_' name], args{:});
        out = cnn_dual_like(name, out, theirs, varargin);
    else
        [out{:}] = feval(['cnn_dual_student_' name], varargin{:});
    end
    CNN_DUAL_TRACE{end + 1} = {name, varargin, out};
    varargout = out;
    if strcmp(name, CNN_DUAL_SETTINGS.input_layer)
        CNN_DUAL_SETTINGS.calls = CNN_DUAL_SETTINGS.calls + cnn_dual_images(varargin{1});
    end
    if CNN_DUAL_SETTINGS.calls >= CNN_DUAL_SETTINGS.stop_after || ...
            numel(CNN_DUAL_TRACE) >= CNN_DUAL_SETTINGS.max_calls
        error('cnn_dual:stop', 'cnn-dual: enough steps recorded');
    end
end

% The images an input-layer argument holds: one (196 values), a batch's at once (196 x n),
% or none (training.is_input's reading).
function n = cnn_dual_images(x)
    if numel(x) == 196
        n = 1;
    elseif ismatrix(x) && size(x, 1) == 196
        n = size(x, 2);
    else
        n = 0;
    end
end

% The arguments as the checker's own layer functions take them (the assignment's layout):
% vectors as its rows or columns, a dLdy in its output's shape (not ReLu_backward's: its
% dLdx has dLdy's shape as the caller passes it, a 1 x n row for an n x 1 x in TrainMLP).
function args = cnn_dual_assignment_args(name, args)
    switch name
        case {'FC'}
            if isvector(args{1}), args{1} = args{1}(:); end  % (a batch at once: 196 x n)
            args{3} = args{3}(:);
        case {'FC_backward'}
            args{1} = reshape(args{1}, 1, []); args{2} = args{2}(:); args{4} = args{4}(:);
            args{5} = args{5}(:);
        case {'Conv'}
            args{1} = reshape(args{1}, 14, 14, []); args{3} = args{3}(:);
            args{2} = reshape(args{2}, 3, 3, 1, []);
        case {'Conv_backward'}
            args{2} = reshape(args{2}, 14, 14, []); args{4} = args{4}(:);
            args{3} = reshape(args{3}, 3, 3, 1, []);
            args{1} = reshape(args{1}, size(args{5}));
        case {'Pool2x2_backward'}
            args{1} = reshape(args{1}, size(args{3}));
        case {'Flattening_backward'}
            args{1} = reshape(args{1}, 1, []);
        case {'Loss_cross_entropy_softmax', 'Loss_euclidean'}
            args{1} = args{1}(:); args{2} = args{2}(:);
    end
end
