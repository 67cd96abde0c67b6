"""What both engines do the same, written once: rows and documents, id blocks, the search plan,
and every operation of the storage interface (see ``storage.py`` here).

The core speaks to a database through a :class:`~.session.Session` and describes its SQL
differences through a :class:`~.session.Dialect`; each engine supplies those two, its
transactions and its locking, and nothing else.
"""
