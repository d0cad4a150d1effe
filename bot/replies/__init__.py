"""What people read: message texts (HTML, escaped) and pictures, made from the services' results."""
