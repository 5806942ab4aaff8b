"""MATLAB: FC.m -- fully connected layer."""


def fc(x, w, b):
    """y = w*x + b. x (147,1) or (147,B), w (10,147), b (10,1) -> y (10,1) or (10,B)."""
    return w @ x + b
