"""Batch execution of report notebooks and the HTML they become."""
