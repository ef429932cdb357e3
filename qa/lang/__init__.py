"""Language: cleaning, segmentation, names, English, the question's facts (``Query``)."""
