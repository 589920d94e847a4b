"""The answer-quality benchmark (`python -m bot eval`): not a stage of the bot, but a reader of every stage.

In: the question, dialogue and chat sets under benchmarks/data/ (`datasets`). Out: scores printed as tables and
saved as JSON: question sets one question at a time beside baselines (`events`), follow-ups in short dialogues
(`dialogues`), and whole chats through `ask --json` chat lines (`chats`). It may import any stage below Telegram.
"""

from bot.evaluation.chats import ChatScores, chat_table, score_chats
from bot.evaluation.datasets import (CHATS_DEV, CHATS_HOLDOUT, DIALOGUES_DEV, DIALOGUES_HOLDOUT, EVENT_HOLDOUT,
                                     EVENT_HOLDOUT2, EVENT_HOLDOUT3, EVENT_HOLDOUT4, EVENT_HOLDOUT5, EVENT_HOLDOUT6,
                                     EVENT_HOLDOUT7, EVENT_HOLDOUT8, EVENT_SET, READERS_DEV,
                                     READERS_HOLDOUT, K, KEY, ROOT, SQUAD, Item, Pool, correct, load_dialogues,
                                     load_event, load_squad, pool_from_texts)
from bot.evaluation.readers import ReaderScores, readers_table, score_readers
from bot.evaluation.dialogues import DialogueScores, dialogue_table, score_dialogues
from bot.evaluation.events import (Scores, available_datasets, bm25s_baseline, ours, pool_vectors, run, save, score,
                                   sklearn_default, table)

__all__ = ["CHATS_DEV", "CHATS_HOLDOUT", "DIALOGUES_DEV", "DIALOGUES_HOLDOUT", "EVENT_HOLDOUT", "EVENT_HOLDOUT2",
           "EVENT_HOLDOUT3", "EVENT_HOLDOUT4", "EVENT_HOLDOUT5", "EVENT_HOLDOUT6", "EVENT_HOLDOUT7", "EVENT_HOLDOUT8", "EVENT_SET", "READERS_DEV", "READERS_HOLDOUT", "ReaderScores",
           "readers_table", "score_readers", "K",
           "KEY", "ROOT", "SQUAD", "ChatScores", "DialogueScores", "Item", "Pool", "Scores", "available_datasets",
           "bm25s_baseline", "chat_table", "correct", "dialogue_table", "load_dialogues", "load_event", "load_squad",
           "ours", "pool_from_texts", "pool_vectors", "run", "save", "score", "score_chats", "score_dialogues",
           "sklearn_default", "table"]
