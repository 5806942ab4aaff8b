% cnn_dual_run (cnn-dual's checker): in a fresh Octave, in the run's scratch folder, load the
% packages, put the folder under check on the path, and run function `name` on each case of
% infile: save to outfile each case's results (a 1 x nout cell) or the error it raised (one
% line naming the student's file and line), and the calls the layer wrappers recorded.
% Never raises itself.
function cnn_dual_run(infile, outfile)
    warning('off', 'all');
    s = load(infile);
    cnn_dual_setup(s.folder);
    global CNN_DUAL_TRACE CNN_DUAL_SETTINGS
    CNN_DUAL_SETTINGS = s.settings;
    if isfield(s, 'normrnd_table')  % the golden files' starting weights (stubs/normrnd.m)
        global CNN_DUAL_NORMRND
        CNN_DUAL_NORMRND = s.normrnd_table;
    end
    n = numel(s.cases);
    results = cell(1, n);
    messages = cell(1, n);
    traces = cell(1, n);
    for c = 1:n
        CNN_DUAL_TRACE = {};
        CNN_DUAL_SETTINGS.calls = 0;
        try
            out = cell(1, s.nout);
            [out{:}] = feval(s.name, s.cases{c}{:});
            results{c} = out;
            messages{c} = '';
        catch err
            results{c} = {};
            messages{c} = cnn_dual_message(err, s.folder);
        end
        traces{c} = CNN_DUAL_TRACE;
    end
    save('-v7', outfile, 'results', 'messages', 'traces');
end

% The packages, the folder under check (after the run's own folder, before the packages:
% as MATLAB's current folder), the shims of what Octave lacks (last: only where nothing else
% defines them) and, where Octave's sum, max, ... refuse 'all', the shadows that accept it.
function cnn_dual_setup(folder)
    try, pkg load image; catch, end
    try, pkg load statistics; catch, end
    here = fileparts(mfilename('fullpath'));
    addpath(fullfile(here, 'shims'), '-end');
    addpath(folder, '-begin');
    try
        sum(1, 'all');
    catch
        shadows = dir(fullfile(here, 'shadows', '*.m'));
        for k = 1:numel(shadows)
            copyfile(fullfile(here, 'shadows', shadows(k).name), pwd);
        end
    end
    original = which('col2im');  % MATLAB's col2im takes a size of more than two elements
    if ~isempty(original) && ~exist(fullfile(pwd, 'cnn_dual_pkg_col2im.m'), 'file')
        % (once per folder: in a folder run in before, col2im is the shim already)
        copyfile(original, fullfile(pwd, 'cnn_dual_pkg_col2im.m'));
        copyfile(fullfile(here, 'cnn_dual_col2im.m'), fullfile(pwd, 'col2im.m'));
    end
    rehash();
end
