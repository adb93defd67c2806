"""ENAS macro search (Pham et al., ICML 2018) in TF2/Keras, faithful to the original code."""
