"""Event bot: answers questions about the August 2019 Koi-Tash raid from a corpus of news articles."""

__version__ = "0.1.0"
