"""MATLAB: FC.m -- fully connected layer."""


def fc(x, w, b):
    """y = FC(x, w, b) = w*x + b. x (m,1) or (m,B), w (n,m) = (10,147), b (n,1) -> y (n,1) or (n,B)."""
    return w @ x + b
