"""chanrong (产融): industrial-internet data turned into finance."""

__version__ = "0.1.0"
