"""The top floor: where the data, estimation and recognition stages meet."""
