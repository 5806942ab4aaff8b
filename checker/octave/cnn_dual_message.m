% cnn_dual_message (cnn-dual's checker): an error as one line that names where it happened:
% the student's file and line, and the function it was raised in when that is Octave's, a
% package's or the checker's own (a wrong argument passed by the student's code).
function message = cnn_dual_message(err, folder)
    message = strjoin(strsplit(err.message, "\n"), ' ');
    stack = err.stack;
    if isempty(stack)
        return;
    end
    theirs = 0;
    for k = 1:numel(stack)
        if cnn_dual_is_theirs(stack(k).file, folder)
            theirs = k;
            break;
        end
    end
    caller = 0;  % the next of the student's files up the stack, where theirs called it
    for k = theirs + 1:numel(stack)
        if theirs > 0 && cnn_dual_is_theirs(stack(k).file, folder) && ...
                ~strcmp(stack(k).file, stack(theirs).file)
            caller = k;
            break;
        end
    end
    if theirs == 1 && caller
        message = sprintf('%s (in %s, line %d, called from %s, line %d)', message, ...
                          stack(1).file, stack(1).line, stack(caller).file, stack(caller).line);
    elseif theirs == 1
        message = sprintf('%s (in %s, line %d)', message, stack(1).file, stack(1).line);
    elseif theirs > 1
        message = sprintf('%s (in %s, line %d, called from %s, line %d)', message, ...
                          stack(1).file, stack(1).line, stack(theirs).file, stack(theirs).line);
    elseif ~strcmp(stack(1).name, 'cnn_dual_run')
        message = sprintf('%s (in %s, line %d)', message, stack(1).file, stack(1).line);
    end
end

% A file of the student's: in the folder under check, or the run's copy of one of its files.
function yes = cnn_dual_is_theirs(file, folder)
    [where, name] = fileparts(file);
    yes = strcmp(where, folder) || strncmp(name, 'cnn_dual_student_', 17);
end
