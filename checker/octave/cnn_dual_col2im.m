% col2im (cnn-dual's checker): MATLAB's col2im reads only the first two elements of the
% image size; the image package's refuses a longer one. Otherwise the package's own.
function A = col2im(B, block_size, A_size, varargin)
    if numel(A_size) > 2
        A_size = A_size(1:2);
    end
    A = cnn_dual_pkg_col2im(B, block_size, A_size, varargin{:});
end
