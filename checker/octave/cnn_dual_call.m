% cnn_dual_call (cnn-dual's checker): run one function of the folder under check on the
% arguments in infile ('args', a cell) and save what it returns to outfile: 'out', a
% 1 x nout cell, or 'message', the error it raised as one line. Never raises itself.
function cnn_dual_call(name, nout, infile, outfile)
    try
        s = load(infile);
        if isfield(s, 'normrnd_table')
            global CNN_DUAL_NORMRND
            CNN_DUAL_NORMRND = s.normrnd_table;
        end
        out = cell(1, nout);
        [out{:}] = feval(name, s.args{:});
        save('-v7', outfile, 'out');
    catch err
        message = err.message;
        if ~isempty(err.stack) && ~strcmp(err.stack(1).name, 'cnn_dual_call')
            message = sprintf('%s (in %s, line %d)', message, err.stack(1).file, err.stack(1).line);
        end
        message = strjoin(strsplit(message, "\n"), ' ');
        save('-v7', outfile, 'message');
    end
end
