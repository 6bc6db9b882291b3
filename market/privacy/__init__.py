"""Personal data: the register of processing, insight, erasure and retention."""
