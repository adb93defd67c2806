"""The estimation stage: 2D keypoints -> root-relative 3D pose (two-stream lifter)."""
