<?php
/**
 * WordPress's privacy tools against the real Sapa of the local stack (FUNCTIONS_URL): a store with its
 * plugin API key and a WhatsApp customer are made through the stack's PostgREST (service role), the plugin
 * holds that key, and Tools → Export / Erase Personal Data (WordPress's own AJAX handlers) export and
 * erase the customer in Sapa over HTTP.
 *
 * @package Sapa
 */

/**
 * Export and erase end to end.
 */
class PrivacyStackTest extends Sapa_Test_Case {

	use Sapa_Privacy_Tools;

	/**
	 * Sapa must see what the test commits; HTTP is real.
	 *
	 * @var bool
	 */
	protected $isolated = false;

	/**
	 * The store made for the test.
	 *
	 * @var string
	 */
	private $store_id = '';

	protected function tearDown(): void {
		if ( '' !== $this->store_id ) {
			$this->rest( 'DELETE', 'stores?id=eq.' . $this->store_id );
		}
		Sapa_Options::forget_connection();
		parent::tearDown();
	}

	public function test_tools_export_and_erase_the_customer_in_sapa() {
		foreach ( array( 'FUNCTIONS_URL', 'API_URL', 'SERVICE_ROLE_KEY' ) as $name ) {
			$this->assertNotEmpty( getenv( $name ), "$name is not set: run wp-plugin/tests/run.sh inside `sapa exec`" );
		}
		$email = 'dewi-' . wp_generate_password( 6, false ) . '@example.com';
		$phone = '+62877' . wp_rand( 1000000, 9999999 );
		$key   = 'sapa_sk_' . wp_generate_password( 40, false );

		list( $store )       = $this->rest( 'POST', 'stores', array( 'name' => 'Toko Privasi' ) );
		$this->store_id      = $store['id'];
		$this->rest(
			'POST',
			'store_api_keys',
			array(
				'store_id'   => $this->store_id,
				'key_hash'   => hash( 'sha256', $key ),
				'key_prefix' => substr( $key, 0, 12 ),
			)
		);
		list( $customer )     = $this->rest(
			'POST',
			'customers',
			array(
				'store_id' => $this->store_id,
				'phone'    => $phone,
				'name'     => 'Dewi Lestari',
				'email'    => $email,
			)
		);
		list( $conversation ) = $this->rest(
			'POST',
			'conversations',
			array(
				'store_id'    => $this->store_id,
				'customer_id' => $customer['id'],
			)
		);
		$this->rest(
			'POST',
			'messages',
			array(
				'store_id'        => $this->store_id,
				'conversation_id' => $conversation['id'],
				'direction'       => 'inbound',
				'sender'          => 'customer',
				'body'            => 'Kirim ke Jl. Kenanga 12 ya',
				'status'          => 'received',
			)
		);
		Sapa_Options::save_connection(
			array(
				'api_url'         => rtrim( getenv( 'FUNCTIONS_URL' ), '/' ),
				'store_id'        => $this->store_id,
				'whatsapp_number' => null,
				'whatsapp_mode'   => 'provision',
				'wc_key_id'       => 0,
				'api_key_last4'   => substr( $key, -4 ),
				'connected_at'    => time(),
			),
			$key
		);
		$this->as_admin();

		list( $index ) = $this->tool_index( 'export' );
		$exported      = $this->run_tool( 'export', $this->user_request( $email, 'export' ), $index );
		$this->assertTrue( $exported['success'], wp_json_encode( $exported ) );
		$messages = array_values( array_filter( $exported['data']['data'], fn( $item ) => 'sapa-messages' === $item['group_id'] ) );
		$this->assertCount( 1, $messages );
		$this->assertContains( array( 'name' => 'body', 'value' => 'Kirim ke Jl. Kenanga 12 ya' ), $messages[0]['data'] );

		list( $index ) = $this->tool_index( 'erase' );
		$erased        = $this->run_tool( 'erase', $this->user_request( $email, 'erase' ), $index );
		$this->assertTrue( $erased['success'], wp_json_encode( $erased ) );
		$this->assertTrue( $erased['data']['items_removed'] );

		list( $row ) = $this->rest( 'GET', 'customers?select=phone,name,email,erased_at&id=eq.' . $customer['id'] );
		$this->assertSame( array( null, null, null ), array( $row['phone'], $row['name'], $row['email'] ) );
		$this->assertNotNull( $row['erased_at'] );
		list( $message ) = $this->rest( 'GET', 'messages?select=body&conversation_id=eq.' . $conversation['id'] );
		$this->assertSame( '', $message['body'] );
		list( $audit ) = $this->rest( 'GET', 'audit_log?select=details&action=eq.customer.erased&target_id=eq.' . $customer['id'] );
		$this->assertSame( 'wordpress', $audit['details']['via'] );
	}

	/**
	 * A call to the stack's PostgREST as the service role (what Sapa's functions do).
	 *
	 * @param string     $method Method.
	 * @param string     $path   Table and query.
	 * @param array|null $body   JSON body.
	 * @return array Rows.
	 */
	private function rest( $method, $path, $body = null ) {
		$key  = getenv( 'SERVICE_ROLE_KEY' );
		$args = array(
			'method'  => $method,
			'timeout' => 30,
			'headers' => array(
				'apikey'        => $key,
				'Authorization' => 'Bearer ' . $key,
				'Accept'        => 'application/json',
				'Prefer'        => 'return=representation',
			),
		);
		if ( null !== $body ) {
			$args['headers']['Content-Type'] = 'application/json';
			$args['body']                    = wp_json_encode( $body );
		}
		$response = wp_remote_request( rtrim( getenv( 'API_URL' ), '/' ) . '/rest/v1/' . $path, $args );
		$this->assertFalse( is_wp_error( $response ), is_wp_error( $response ) ? $response->get_error_message() : '' );
		$status = (int) wp_remote_retrieve_response_code( $response );
		$this->assertLessThan( 300, $status, wp_remote_retrieve_body( $response ) );
		$rows = json_decode( wp_remote_retrieve_body( $response ), true );
		return is_array( $rows ) ? $rows : array();
	}
}
