"""ProgressLogger: in-epoch progress at most every N seconds, with rate and time left."""
import logging

from common.callbacks import ProgressLogger


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_inside_an_epoch_is_throttled_and_has_rate_and_time_left(caplog):
    clock = FakeClock()
    progress = ProgressLogger(total_epochs=3, examples_per_epoch=10_000, batch_size=100,
                              every_seconds=60, clock=clock)
    caplog.set_level(logging.INFO, logger="absl")  # whatever verbosity a flag parse left
    progress.on_epoch_begin(1)
    for batch in range(100):
        clock.now += 1.5  # 100 examples per 1.5 s
        progress.on_train_batch_end(batch)
    lines = [r.getMessage() for r in caplog.records if "step" in r.getMessage()]
    assert len(lines) == 2  # at 60 s and 120 s, not every batch
    assert lines[0] == "epoch 2/3 step 40/100 (67 examples/s, epoch ends in 1.5 min)"
    progress.on_epoch_end(1, {"loss": 0.5})
    assert "epoch 2/3 150s (67 examples/s, ETA 2 min) loss=0.5" in caplog.records[-1].getMessage()
