# Image for the console (web, worker and emulator share it; the command picks the role).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DEBUG=false SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "console.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4"]
