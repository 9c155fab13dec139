print("capacity")
