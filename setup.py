"""Package definition: joint 3D pose estimation and action recognition (Pham et al.)."""
from setuptools import find_packages, setup

setup(
    name="unified-pose-action",
    version="0.1.0",
    description=(
        "TensorFlow/Keras reimplementation of Pham et al., 'A Unified Deep Framework for "
        "Joint 3D Pose Estimation and Action Recognition from a Single RGB Camera', with a "
        "faithful ENAS macro search."
    ),
    python_requires=">=3.11,<3.12",
    # Every package but the tests: a hand-kept include list once left `common` out, and the
    # binaries then failed to import when run from outside the checkout.
    packages=find_packages(exclude=["tests", "tests.*"]),
    # The shipped models travel with the package, so that a plain `pip install .` finds them.
    package_data={"pretrained": ["MANIFEST.json", "*/*", "*/*/*"], "pipeline": ["viewer.js"]},
    install_requires=[
        "tensorflow==2.21.0",
        "keras==3.15.1",
        # TensorBoard summaries: tensorflow 2.21 no longer installs it.
        "tensorboard==2.21.0",
        "numpy>=1.26,<2.5",
        "scipy==1.17.1",
        # Headless build: no Qt/X11 libraries needed on servers and CI; we never open windows.
        "opencv-python-headless==4.14.0.94",
        "absl-py==2.5.1",
        # h5py: the Human3.6M camera file and the original Martinez release are HDF5.
        # tensorflow 2.21 requires h5py<3.15.
        "h5py==3.14.0",
        # matplotlib: PNG figures of skeletons and training results.
        "matplotlib==3.11.2",
        # scikit-learn: the recognition floor (a cross-validated logistic regression), a
        # control beside the networks, never the shipped classifier.
        "scikit-learn==1.9.1",
        # LiteRT: runs the 2D front-end's .tflite models and the lifter's TFLite variants;
        # TensorFlow 2.21 deprecates its own tf.lite.Interpreter in its favour.
        "ai-edge-litert==2.3.0",
        # PyAV: its wheels carry FFmpeg with libx264, so the videos are H.264 that browsers
        # play (pip's OpenCV writes only mp4v, or VP8/VP9 at a few frames per second).
        "av==18.1.0",
    ],
    extras_require={
        # pytest-xdist: `make test` on two workers, 6 min 18 s against 10 min 51 s serial
        # (BUILD_NOTES.md, the test suite).
        "test": ["pytest==9.0.3", "pytest-xdist==3.8.0"],
        # Only `bench.lifting_bench` / `bench.enas_bench --torch_reference`: the speed
        # references are PyTorch programs, timed beside ours in the same process.
        "bench": ["torch==2.13.0"],
    },
)
