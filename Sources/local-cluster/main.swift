print("local-cluster")
