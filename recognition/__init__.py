"""Action recognition from skeletons: protocols, the images of a protocol's sequences, the
ENAS experiment on them, and the classifier users load."""
