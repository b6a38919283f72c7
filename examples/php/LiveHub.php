<?php
// livehub from PHP, with nothing but phpredis (for Redis) and PHP's own HTTP stream wrapper.
//
//   require 'LiveHub.php';
//   $hub = new LiveHub(getenv('HUB_TOKEN_SECRET'));
//   $token = $hub->token($userId);                       // for the page: /stream/app?token=... or the hub_token cookie
//   $hub->publishRedis($redis, [$learnerId, $trainerId], 'crud.update', ['model' => 'Task', 'id' => 12]);
//   $hub->publishHttp('http://hub:8090', getenv('HUB_PUBLISH_TOKEN'), [$learnerId], 'notif', ['unread' => 3]);
//   $hub->publishHttpBatch('http://hub:8090', getenv('HUB_PUBLISH_TOKEN'), [          // a queue flushed in one call
//       ['users' => [$learnerId], 'event' => 'notif', 'data' => ['unread' => 3], 'publish_id' => 'n-42-3'],
//       ['users' => [$trainerId], 'event' => 'crud.update', 'data' => '{"model":"Task","id":12,"fields":{}}'],
//   ]);
//
// Data is a PHP value (encoded here) or a JSON text (sent as it is, byte for byte, once checked). PHP arrays cannot
// tell {} from []: an empty array is encoded as [], so write an empty object as new stdClass() or (object) [], or
// give the JSON text. JSON decoded with json_decode($json) (objects as stdClass) encodes back to the same shape.

final class LiveHub
{
    public function __construct(
        private readonly string $tokenSecret = '',
        private readonly string $prefix = 'hub',
    ) {
    }

    /** A subscriber token (JWT, HS256) for one user, valid for $ttl seconds: keep it short, the page asks again. */
    public function token(string $userId, int $ttl = 300): string
    {
        if (strlen($this->tokenSecret) < 32) {
            throw new InvalidArgumentException('the token secret (hub.token.secret) has at least 32 bytes');
        }
        $now = time();
        $header = self::base64url(json_encode(['alg' => 'HS256', 'typ' => 'JWT']));
        // UTF-8 as it is, not \uXXXX escapes: a token for a long user id stays short enough for ?token= (a request line).
        $claims = self::base64url(json_encode(['sub' => $userId, 'iat' => $now, 'exp' => $now + $ttl],
            JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES));
        $signature = self::base64url(hash_hmac('sha256', "$header.$claims", $this->tokenSecret, true));
        return "$header.$claims.$signature";
    }

    /**
     * Publishes one event to every user with FCALL hub_publish, the function the hub loads, given each user's stream
     * key. On a Redis server (phpredis's Redis) that is one call for all the users. On a Redis Cluster (phpredis's
     * RedisCluster) the keys of one call must share a hash slot, so the users are grouped by slot and each group is
     * one call, sent to the node that holds the slot (for hundreds of users, publishHttpBatch is fewer round trips).
     * Give a $publishId to make a retry safe (appended once per user). Returns [userId => event id]; when the publish
     * id was used before with other data for some users, throws, its message naming them and the ids of the users it
     * was appended for.
     */
    public function publishRedis(Redis|RedisCluster $redis, array $userIds, string $event, mixed $data,
                                 ?string $publishId = null): array
    {
        $users = array_values(array_map('strval', $userIds));
        $groups = [];
        foreach ($users as $user) {
            $key = $this->streamKey($user);
            $groups[$redis instanceof RedisCluster ? self::slot($key) : 0][$user] = $key;
        }
        $json = self::json($data);
        $appended = [];
        $refused = [];
        $error = null;
        foreach ($groups as $keys) {
            $args = ['FCALL', 'hub_publish', count($keys), ...array_values($keys), $event, $json];
            if ($publishId !== null) {
                $args[] = $publishId;
            }
            try {
                // RedisCluster routes a raw command by its first argument: the group's first key.
                $ids = $redis instanceof RedisCluster ? $redis->rawCommand(reset($keys), ...$args)
                    : $redis->rawCommand(...$args);
            } catch (RedisException $e) {   // a node that cannot be reached: what went before is appended
                throw new RuntimeException('FCALL hub_publish failed: ' . $e->getMessage()
                    . ($appended ? '; appended for ' . json_encode($appended) : ''), 0, $e);
            }
            if ($ids === false && count($keys) === 1 && str_contains((string) $redis->getLastError(), 'was used for')) {
                $ids = [null];   // one key whose publish id was used for other data: refused, like a key of many
            }
            if ($ids === false) {
                throw new RuntimeException('FCALL hub_publish failed: ' . $redis->getLastError()
                    . ($appended ? '; appended for ' . json_encode($appended) : ''));
            }
            $ids = is_array($ids) ? $ids : [$ids];
            foreach (array_keys($keys) as $i => $user) {
                if (is_string($ids[$i] ?? null)) {
                    $appended[(string) $user] = $ids[$i];
                } else {   // a publish id used before with other data, for that user: the others are appended
                    $refused[] = (string) $user;
                    $error = $redis->getLastError();
                }
            }
        }
        if ($refused) {
            throw new RuntimeException('FCALL hub_publish refused users ' . implode(', ', $refused) . ': '
                . $error . '; appended for ' . json_encode($appended));
        }
        return $appended;
    }

    /**
     * The Redis Cluster hash slot of a key: CRC16 (XMODEM) of its hash tag (the text between the first { and the next
     * }, here the encoded user id), modulo 16384, as the cluster specification defines it
     * (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#key-distribution-model).
     */
    public static function slot(string $key): int
    {
        $open = strpos($key, '{');
        $close = $open === false ? false : strpos($key, '}', $open + 1);
        $tag = ($close !== false && $close > $open + 1) ? substr($key, $open + 1, $close - $open - 1) : $key;
        $crc = 0;
        for ($i = 0, $n = strlen($tag); $i < $n; $i++) {
            $crc ^= ord($tag[$i]) << 8;
            for ($bit = 0; $bit < 8; $bit++) {
                $crc = ($crc & 0x8000) ? (($crc << 1) ^ 0x1021) & 0xFFFF : ($crc << 1) & 0xFFFF;
            }
        }
        return $crc % 16384;
    }

    /**
     * The user's stream key, <prefix>:{<user id>}:events, with the user id encoded as the hub encodes it: each byte
     * outside A-Z a-z 0-9 . _ @ + = : - as %XX in upper-case hex ("Mary Ann" is hub:{Mary%20Ann}:events).
     */
    public function streamKey(string $userId): string
    {
        $encoded = preg_replace_callback('/[^A-Za-z0-9._@+=:\-]/',
            fn (array $byte) => sprintf('%%%02X', ord($byte[0])), $userId);
        return "{$this->prefix}:{{$encoded}}:events";
    }

    /**
     * Publishes over HTTP: POST /hub/publish with the hub's publish token. Returns [userId => event id]. On a
     * refusal the exception's message holds the hub's answer, with the publish_id to retry with (the hub makes one
     * when none is given).
     */
    public function publishHttp(string $hubUrl, string $publishToken, array $userIds, string $event, mixed $data,
            ?string $publishId = null): array
    {
        $body = self::publication(['users' => $userIds, 'event' => $event, 'data' => $data, 'publish_id' => $publishId]);
        [$status, $answer] = self::post($hubUrl, '/hub/publish', $publishToken, $body);
        if ($status !== 202) {
            throw new RuntimeException("POST /hub/publish answered $status: $answer");
        }
        return json_decode($answer, true, flags: JSON_THROW_ON_ERROR)['ids'];
    }

    /**
     * Publishes many publications in one request, POST /hub/publish/batch: each ['users' => [...], 'event' => ...,
     * 'data' => ..., 'publish_id' => optional]. Returns one result per publication, in order: ['status' => 202,
     * 'publish_id' => ..., 'ids' => [userId => event id]], or another status with 'error' and 'message' (publish the
     * refused ones again with their publish_id).
     */
    public function publishHttpBatch(string $hubUrl, string $publishToken, array $publications): array
    {
        $body = '{"publications":[' . implode(',', array_map([self::class, 'publication'], $publications)) . ']}';
        [$status, $answer] = self::post($hubUrl, '/hub/publish/batch', $publishToken, $body);
        if ($status !== 200) {
            throw new RuntimeException("POST /hub/publish/batch answered $status: $answer");
        }
        return json_decode($answer, true, flags: JSON_THROW_ON_ERROR)['results'];
    }

    /** One publication's JSON, its data written in as it is (see json()). */
    private static function publication(array $publication): string
    {
        $head = ['users' => array_values(array_map('strval', $publication['users'] ?? [])),
            'event' => (string) ($publication['event'] ?? '')];
        if (isset($publication['publish_id'])) {
            $head['publish_id'] = (string) $publication['publish_id'];
        }
        $json = json_encode($head, JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
        if (!array_key_exists('data', $publication)) {
            throw new InvalidArgumentException("a publication needs 'data' (JSON text, or a PHP value to encode)");
        }
        return substr($json, 0, -1) . ',"data":' . self::json($publication['data']) . '}';
    }

    /** JSON text given as a string is checked and kept byte for byte; any other value is encoded. */
    private static function json(mixed $data): string
    {
        if (is_string($data)) {
            json_decode($data, flags: JSON_THROW_ON_ERROR);
            return $data;
        }
        return json_encode($data, JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES
            | JSON_PRESERVE_ZERO_FRACTION);
    }

    /** @return array{int, string} the status and the body */
    private static function post(string $hubUrl, string $path, string $publishToken, string $body): array
    {
        $context = stream_context_create(['http' => [
            'method' => 'POST',
            'header' => "Content-Type: application/json\r\nAuthorization: Bearer $publishToken\r\n",
            'content' => $body,
            'ignore_errors' => true,
            'timeout' => 5,
        ]]);
        $answer = @file_get_contents(rtrim($hubUrl, '/') . $path, false, $context);
        if ($answer === false) {
            throw new RuntimeException("the hub at $hubUrl cannot be reached");
        }
        return [(int) explode(' ', $http_response_header[0] ?? 'HTTP/1.1 0')[1], $answer];
    }

    private static function base64url(string $bytes): string
    {
        return rtrim(strtr(base64_encode($bytes), '+/', '-_'), '=');
    }
}
