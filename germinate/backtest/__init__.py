"""``germinate backtest``: measure the agents and the gates on a repository's own history.

For each of N past commits that changed product code and tests within the change budget
(``history``), a scratch clone is put at the commit's parent with a seed whose one roadmap
epic is the commit's message (``scratch``); the commit's own test changes are held out as
hidden acceptance tests; a full growth cycle runs; then ``score`` records whether it landed
through every gate, whether the hidden tests pass on the result, and what it cost.
``--oracle`` answers with the true commit as edit blocks (``oracle``): offline, no key, it
measures how often the gates refuse a human's change and the pipeline's own overhead.
The user's repository is only ever read (cloned).
"""

from germinate.backtest.history import PastCommit, pick_commits
from germinate.backtest.score import BacktestRun, TicketScore

__all__ = ["BacktestRun", "PastCommit", "TicketScore", "pick_commits"]
