"""What goes beyond the original, kept apart from the port: other activations in ReLu's place,
other conv layers in Conv's (the loop-form conv, second-order Volterra filters), and the network
that chains any of them as TrainCNN chains the original's layers (``network``).

None of these has a MATLAB original in the repository; each says where it comes from.
"""
