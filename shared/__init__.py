"""What both pipelines use: MATLAB helpers, .mat loading, outputs and plots."""
