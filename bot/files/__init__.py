"""Reading files people send (GPX, FIT, routes): bounded in size, time and memory."""
