"""Training plumbing shared by the lifter and ENAS binaries (strategies, logging callbacks)."""
